"""Every form of the portal: the victim's intake and status pages, and acting on a notice. They parse and
check input; services do the writing."""
