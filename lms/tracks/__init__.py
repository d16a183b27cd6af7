"""Skill tracks (guide 5.2): the reviewed track file and its pure loader; pages and sync come later."""
