"""Access: tokens, roles, grants, and the one place that decides who may see or act on what."""
