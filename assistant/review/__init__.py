"""Review: the approval state machine for drafts, its audit trail and terminal review.

A person approves, edits, rejects or regenerates each draft; the first decision wins
(`service.decide`). Nothing is sent that a person did not approve.
"""
