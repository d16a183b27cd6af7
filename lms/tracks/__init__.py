"""Skill tracks (guide 5.2): the track file and its pure loader, the sync, the rep's pages, assessments, levels and the team matrix."""
