"""Road-subsurface defect surveys (道路塌陷隐患排查): surveys, defects, re-surveys, treatment."""
