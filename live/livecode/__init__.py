"""The live-coding language and the watched script file."""
