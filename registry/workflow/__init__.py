"""The sharing workflow: share requests, holds, build requests, decisions, states and deadlines."""
