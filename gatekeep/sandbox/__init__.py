"""The boundary: what an allowed command may touch, enforced by the kernel.

Reading a command can never be complete, so what gatekeep runs without a human's
approval runs inside a box derived from the same policy: the file system read-only
except the working tree, temp dirs and toolchain caches; protected paths read-only
or hidden even there; no network; resource limits.

``spec`` (the policy's part) and ``boundary`` (that part applied to this working
directory and file system) import only the standard library: the fast path uses them.
"""
