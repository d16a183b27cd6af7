"""Skill tracks (guide 5.2): the track file and its loader, the sync, the pages, assessments, levels, team matrix."""
