"""Early warnings: phones watch a desa (PANTAU), BPBD warns whole areas (``gateway warn``) in a lane of their own."""
