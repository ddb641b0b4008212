"""Per-person style learning: from feedback events to a style profile, instructions and a note.

Pure functions of data and a clock (``now`` is always passed in); stdlib only. The profile's
types are in ``profile``; ``reading`` measures drafts and reads replies; ``votes`` turns each
feedback event into votes; ``learning`` weighs the votes into a profile; ``instructions`` turns
a profile into lines for Claude and a note for the person.
"""
