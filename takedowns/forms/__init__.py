"""Forms of the victim's pages (intake and status). They parse and check input; services do the writing."""
