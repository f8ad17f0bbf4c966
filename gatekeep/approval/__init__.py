"""The human in the loop: the saved approvals file, the terminal prompt, the headless queue."""
