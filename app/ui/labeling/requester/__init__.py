"""The requester's side of the labeling workspace: the "New campaign" wizard and its steps, the
requester panel with its campaigns, and the monitor that reviews, exports, publishes and closes one."""
