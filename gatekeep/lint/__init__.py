"""``gatekeep lint``: what a policy's rules can and cannot do, found without running anything."""
