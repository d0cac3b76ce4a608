"""Table definitions: the generated MusicBrainz tables and mbmirror's own."""
