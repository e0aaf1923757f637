"""Helpers a reader can take away: the shape doctor, the row-independence test, a stopwatch."""
