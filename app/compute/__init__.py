"""GPU rental: declarative job specs, the sandboxed runner, the provider loop and the requester side."""
