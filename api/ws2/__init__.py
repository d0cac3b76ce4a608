"""ws/2: a drop-in MusicBrainz web service (lookup and browse, XML and JSON).

How a resource module plugs in
==============================

A resource is served when a module ``api/ws2/<module>.py`` named in ``registry.RESOURCE_MODULES`` exists and
defines ``RESOURCE`` (a ``registry.Resource``) or ``RESOURCES`` (several). Nothing else needs editing: the app
factory builds its ``Registry`` with ``registry.load_registry()``; a module that does not exist yet is skipped
(the golden test runner then skips that resource's cases with a reason). The names reserved for the release
family are ``release``, ``release_group``, ``recording``, ``artist_credit``, ``discid``, ``isrc``, ``iswc``.

``Resource`` fields (see ``registry.py`` for the exact callable signatures)::

    Resource(
        name="release-group",            # path segment and XML element name
        plural="release-groups",         # JSON list key of browse pages
        table="release_group",           # table with gid (+ <table>_gid_redirect) for MBID resolution
        to_xml=xml,                      # (ctx, entity, full) -> lxml element <release-group ...>
        to_json=json,                    # (ctx, entity, full) -> dict
        lookup_incs=frozenset({...}),    # everything valid on a lookup (conditional incs included, see below)
        browse_incs=frozenset({...}),
        linked=("artist", "release", "collection"),   # browse keys
        load=load,                       # async (ctx, row_id) -> Entity          (MBID lookups)
        load_key=None,                   # async (ctx, key) -> Entity             (isrc/iswc/discid lookups)
        browse=browse,                   # async (ctx, linked_key, linked_row_id, limit, offset) -> Page
        fetch=fetch,                     # async (ctx, row_ids) -> {row_id: Entity}  (relationship targets)
        type_always=True, status_always=False,   # type=/status= valid without inc=releases/release-groups
    )

What the framework does before calling a handler (``routes.py``): format negotiation (``ctx.fmt``), request-kind
matching, inc parsing and validation against ``lookup_incs`` / ``browse_incs`` with MusicBrainz's extra-inc rules
(``params.EXTRA_INC``: list ``artist-credits``, ``discids``, ``media``... in ``lookup_incs`` too; the framework
rejects them unless their enabling inc is present), ``user-*`` → 401, ``type``/``status`` validation
(``ctx.types``, ``ctx.statuses``), ``limit``/``offset``, MBID syntax (400), resolution of the MBID through
``<table>_gid_redirect`` (404 when unknown, 301 to the canonical MBID when merged). ``load`` receives the row
id; ``browse`` receives the linked entity's row id (its table: ``registry.LINKED_TABLES``). Handlers raise
``mirror.errors.NotFound`` or ``api.errors.BadRequest``; ``api/errors.py`` renders them.

After the handler: ``routes.render_entity`` puts the element under ``<metadata>`` (or returns the JSON object);
``routes.render_page`` wraps browse items in ``<X-list count offset>`` (offset only when non-zero) or
``{"X-count", "X-offset", "Xs"}`` with the items sorted by MBID, as MusicBrainz does.

Entities are dicts (``registry.Entity``): ``_id`` (row id), ``id`` (MBID) and fields. Shared pieces live in
``common.py``: ``await load_extras(ctx, "release_group", entities)`` attaches ``aliases``, ``annotation``,
``tags``, ``genres``, ``rating`` and ``relations`` as ``ctx.incs`` asks (relationship targets are loaded through
each target resource's ``fetch`` and serialized by its ``to_xml``/``to_json`` with ``full=False``);
``xml_aliases``, ``xml_annotation``, ``xml_life_span``, ``xml_relations``, ``xml_tags_genres_rating`` append
MMD elements in schema order; ``json_extras`` adds the same keys to a JSON object. ``render.sub`` appends a
child element and omits it when its text is empty. All SQL lives in ``mirror/queries/``.
"""
