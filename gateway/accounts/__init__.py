"""The desk's users and the API's tokens: who they are, what their role lets them see and do."""
