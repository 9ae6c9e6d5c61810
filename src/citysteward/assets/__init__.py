"""Roads, city components (部件) and maintenance work (养护作业)."""
