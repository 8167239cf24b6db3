"""The one sending path: compose a message, carry it to the server, say what happened."""
