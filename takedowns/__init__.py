"""The Recourse domain: cases, reference images, reported locations, notices, their lifecycle and clock."""
