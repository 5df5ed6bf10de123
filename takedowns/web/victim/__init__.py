"""The victim's pages: intake, case status, withdrawal and erasure. No account; reference + access code."""
