"""The mbmirror web API: a drop-in MusicBrainz ws/2 service (``api.main.create_app``)."""
