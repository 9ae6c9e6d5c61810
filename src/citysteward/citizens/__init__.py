"""The citizen's side: verified phones, my reports, follows and area alerts."""
