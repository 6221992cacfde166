"""Order ASIs: submission, revisions, approval and reads."""
