"""The ledger's schema as an ordered list of migrations.

``PRAGMA user_version`` holds how many migrations a database has had; each
applied migration is also recorded in the ``migrations`` table (the
sqlite-utils way) so a person can see when it happened. Migrations only
ever append: never edit one that has shipped, add the next instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from sqlite3 import Connection


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: its SQL, then (when SQL alone cannot compute it) a Python step on the same transaction."""

    name: str
    sql: str
    python: Callable[[Connection], None] | None = None


_CORE = """
CREATE TABLE IF NOT EXISTS migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
);
CREATE TABLE documents (
    id TEXT PRIMARY KEY,              -- content hash: the same text is the same document
    name TEXT NOT NULL,
    url TEXT,
    title TEXT,
    outlet TEXT,
    published TEXT,
    published_inferred INTEGER NOT NULL DEFAULT 0,
    lang TEXT,
    text TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,  -- n-th distinct text seen at this url
    superseded_by TEXT,                  -- id of the newer version at the same url
    ingested_at TEXT NOT NULL,
    meta TEXT
);
CREATE INDEX documents_url ON documents(url);
CREATE TABLE segments (
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    kind TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (doc_id, idx)
) WITHOUT ROWID;
CREATE TABLE sources (
    name TEXT PRIMARY KEY COLLATE NOCASE
);
CREATE TABLE claims (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    quote TEXT NOT NULL,
    figure TEXT NOT NULL,
    value REAL NOT NULL,
    low REAL,
    high REAL,
    qualifier TEXT NOT NULL,
    measure TEXT NOT NULL COLLATE NOCASE,
    actor TEXT COLLATE NOCASE,
    unit TEXT NOT NULL,
    source TEXT NOT NULL COLLATE NOCASE,
    as_of TEXT,
    location TEXT,
    start INTEGER NOT NULL DEFAULT 0,
    "end" INTEGER NOT NULL DEFAULT 0,
    quote_start INTEGER NOT NULL DEFAULT 0,
    quote_end INTEGER NOT NULL DEFAULT 0,
    lang TEXT,
    segment TEXT NOT NULL DEFAULT 'body',
    confidence REAL NOT NULL DEFAULT 1.0,
    why TEXT,
    t_start TEXT,            -- effective period (as-of, else publication date) for ordering
    t_end TEXT,
    as_of_basis TEXT NOT NULL,
    ckey TEXT NOT NULL,      -- merge key without the as-of (source, actor, measure, value class)
    cluster TEXT,
    -- copied from the document (never changes) so timelines read one index, not two tables
    doc_name TEXT NOT NULL DEFAULT '',
    published TEXT,
    outlet TEXT,
    current INTEGER NOT NULL DEFAULT 1,  -- 0 once a newer version of the article is stored
    UNIQUE (doc_id, idx)
);
CREATE INDEX claims_source ON claims(source);
CREATE INDEX claims_cluster ON claims(cluster);
CREATE INDEX claims_ckey ON claims(ckey);
CREATE INDEX claims_doc ON claims(doc_id);
"""

_FTS = """
CREATE VIRTUAL TABLE claims_fts USING fts5(
    quote, content='claims', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER claims_fts_insert AFTER INSERT ON claims BEGIN
    INSERT INTO claims_fts(rowid, quote) VALUES (new.id, new.quote);
END;
CREATE TRIGGER claims_fts_delete AFTER DELETE ON claims BEGIN
    INSERT INTO claims_fts(claims_fts, rowid, quote) VALUES ('delete', old.id, old.quote);
END;
CREATE TRIGGER claims_fts_update AFTER UPDATE OF quote ON claims BEGIN
    INSERT INTO claims_fts(claims_fts, rowid, quote) VALUES ('delete', old.id, old.quote);
    INSERT INTO claims_fts(rowid, quote) VALUES (new.id, new.quote);
END;
INSERT INTO claims_fts(claims_fts) VALUES ('rebuild');
"""

#: ``claims_listing`` serves the unfiltered, paged claim list in its order;
#: ``pair_stats`` keeps the overview (claims, sources, clusters per actor and
#: measure) current per document, since counting a million claims takes seconds.
#: The timeline index covers every column a timeline reads, so the points of
#: one (actor, measure) are one contiguous range instead of a row lookup per
#: claim scattered over the file (measured in bench/bench_ledger.py).
_OVERVIEW = """
CREATE INDEX documents_published ON documents(published);
CREATE INDEX claims_listing ON claims(published, doc_name, start, id);
CREATE INDEX claims_timeline ON claims(
    actor, measure, current, source, t_start, cluster, id, as_of, value, low, high, qualifier, start,
    doc_name, published, outlet, figure, quote
);
CREATE TABLE pair_stats (
    actor TEXT COLLATE NOCASE,
    measure TEXT NOT NULL COLLATE NOCASE,
    n_claims INTEGER NOT NULL,
    n_sources INTEGER NOT NULL,
    n_clusters INTEGER NOT NULL,
    n_documents INTEGER NOT NULL
);
CREATE INDEX pair_stats_pair ON pair_stats(actor, measure);
INSERT INTO pair_stats
    SELECT actor, measure, count(*), count(DISTINCT source), count(DISTINCT cluster), count(DISTINCT doc_id)
    FROM claims WHERE current = 1 GROUP BY actor, measure;
"""

#: What a figure counts beyond its measure (item, scope, group) and who relayed it
#: (via, JSON list); the timeline index is rebuilt to cover them, so a timeline
#: still reads one contiguous index range.
_DETAILS = """
ALTER TABLE claims ADD COLUMN via TEXT;
ALTER TABLE claims ADD COLUMN item TEXT;
ALTER TABLE claims ADD COLUMN scope TEXT;
ALTER TABLE claims ADD COLUMN grp TEXT;
DROP INDEX claims_timeline;
CREATE INDEX claims_timeline ON claims(
    actor, measure, current, source, t_start, cluster, id, as_of, value, low, high, qualifier, start,
    doc_name, published, outlet, figure, quote, item, scope, grp
);
"""

#: Reviews: an analyst's corrections, in their own table so that they outlive the
#: claims they were made on. A review names its claim by what the analyst saw
#: (the document's URL or name, the quote, the figure), not by a row id, so it
#: is applied again when that document is stored again. The corrected values are
#: written into the claims row (every view, index and cluster then reads them);
#: the machine's values are kept here. A rejected claim leaves every view
#: (``current = 0``) until the review is withdrawn.
#:
#: ``skipped`` records each input an ingest could not use and why, so
#: ``figtrace documents --skipped`` can answer "which files were not read".
#:
#: The full-text index is rebuilt in the form sqlite-utils writes and datasette
#: detects (``content=[claims]``, a table named ``claims_fts``).
_REVIEWS = """
ALTER TABLE claims ADD COLUMN reviewed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE claims ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0;
CREATE TABLE reviews (
    doc_key TEXT NOT NULL,       -- the document's URL, else its name
    quote TEXT NOT NULL,
    figure TEXT NOT NULL,
    doc_id TEXT,                 -- the version the review was made on
    claim_id INTEGER,            -- the claim it was last applied to
    source TEXT,                 -- NULL: the machine's value stands
    measure TEXT,
    actor TEXT,
    rejected INTEGER NOT NULL DEFAULT 0,
    note TEXT,
    machine_source TEXT,
    machine_measure TEXT,
    machine_actor TEXT,
    reviewed_at TEXT NOT NULL,
    PRIMARY KEY (doc_key, quote, figure)
);
CREATE INDEX reviews_claim ON reviews(claim_id);
CREATE TABLE skipped (
    input TEXT NOT NULL,
    reason TEXT NOT NULL,
    kind TEXT NOT NULL,          -- failed, unsupported, language, no_text
    outlet TEXT,                 -- when the input names it (a URL's host)
    at TEXT NOT NULL,
    PRIMARY KEY (input, reason)
);
DROP TRIGGER claims_fts_insert;
DROP TRIGGER claims_fts_delete;
DROP TRIGGER claims_fts_update;
DROP TABLE claims_fts;
CREATE VIRTUAL TABLE [claims_fts] USING FTS5 (
    [quote],
    tokenize='unicode61 remove_diacritics 2',
    content=[claims]
);
CREATE TRIGGER claims_fts_insert AFTER INSERT ON claims BEGIN
    INSERT INTO claims_fts(rowid, quote) VALUES (new.id, new.quote);
END;
CREATE TRIGGER claims_fts_delete AFTER DELETE ON claims BEGIN
    INSERT INTO claims_fts(claims_fts, rowid, quote) VALUES ('delete', old.id, old.quote);
END;
CREATE TRIGGER claims_fts_update AFTER UPDATE OF quote ON claims BEGIN
    INSERT INTO claims_fts(claims_fts, rowid, quote) VALUES ('delete', old.id, old.quote);
    INSERT INTO claims_fts(rowid, quote) VALUES (new.id, new.quote);
END;
INSERT INTO claims_fts(claims_fts) VALUES ('rebuild');
"""

#: Consistency findings are computed when claims are stored, not per request: one
#: row per group of comparable claims (figtrace.reconcile.rules), ordered for
#: reading (contradictions first, the strongest first). ``findings_stale`` lists
#: the actors whose findings a write has made out of date; a batch recomputes them
#: once at its end, a reader of a killed ingest computes them on the fly. An
#: older ledger starts with every actor stale.
_FINDINGS = """
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    actor TEXT NOT NULL COLLATE NOCASE,   -- '' for claims without an actor
    kind TEXT NOT NULL,                   -- contradiction | disagreement | explained
    kind_rank INTEGER NOT NULL,
    rule TEXT NOT NULL,
    status TEXT NOT NULL,                 -- flagged | explained (the spec's field)
    reason TEXT,
    measure TEXT,
    item TEXT,
    grp TEXT,
    scope TEXT,
    win TEXT,
    explanation TEXT NOT NULL,
    clusters TEXT NOT NULL,               -- JSON list: the strongest pair's clusters
    claim_ids TEXT NOT NULL,              -- JSON list
    n_more INTEGER NOT NULL,
    strength REAL NOT NULL,
    spread TEXT,                          -- JSON, for disagreements
    gkey TEXT NOT NULL
);
CREATE INDEX findings_order ON findings(kind_rank, strength DESC, id);
CREATE INDEX findings_actor ON findings(actor, kind_rank);
CREATE TABLE findings_stale (actor TEXT PRIMARY KEY COLLATE NOCASE);
INSERT OR IGNORE INTO findings_stale SELECT DISTINCT coalesce(actor, '') FROM claims WHERE current = 1;
"""

#: Where each document's publication date came from (metadata, manifest, option, body):
#: a date guessed from the body is never passed off as metadata. Documents stored
#: before keep what their ``meta`` said, mapped to the same words.
_PUBLISHED_FROM = """
ALTER TABLE documents ADD COLUMN published_from TEXT;
UPDATE documents SET published_from = CASE json_extract(meta, '$.published_source')
    WHEN 'user' THEN 'option' WHEN 'text' THEN 'body' WHEN 'inferred' THEN 'body'
    ELSE 'metadata' END
WHERE published IS NOT NULL AND meta IS NOT NULL AND json_valid(meta);
"""

#: Merge periods stored on each claim (``m_start``/``m_end``: the as-of period, or for an
#: undated claim the window before publication), so clustering a new claim reads only the
#: clusters of its merge key whose period can reach it (one index range on ``claims_merge``)
#: instead of every claim of the key with its dates parsed again. ``claims_cluster`` is
#: rebuilt to carry a cluster's period bounds, so a cluster's span is read from the index.
#: The Python step fills the bounds of the stored claims and recomputes every key's clusters
#: once from scratch, so incremental clustering starts from exact components.
_MERGE_BOUNDS = """
ALTER TABLE claims ADD COLUMN m_start TEXT;
ALTER TABLE claims ADD COLUMN m_end TEXT;
DROP INDEX claims_cluster;
CREATE INDEX claims_cluster ON claims(cluster, m_start, m_end);
CREATE INDEX claims_merge ON claims(ckey, m_start, m_end, cluster);
DROP INDEX claims_ckey;
"""


def _fill_merge_bounds(conn: Connection) -> None:
    from figtrace.store.clustering import recluster_all

    recluster_all(conn, fill_bounds=True)


#: Indexes the dashboard's whole-ledger views read instead of the table (checked with EXPLAIN
#: QUERY PLAN on a 110,000-claim ledger, bench/load_test.py): each source's claims and
#: documents are one covering index range (the sources view looked up every claim row: 0.4 s),
#: and the filter form's languages and outlets are read from indexes, not from a scan of
#: every document with its text.
_VIEW_INDEXES = """
CREATE INDEX claims_source_docs ON claims(source, current, doc_id);
DROP INDEX claims_source;
CREATE INDEX documents_lang ON documents(lang);
CREATE INDEX documents_outlet ON documents(outlet);
"""

#: Findings are kept per (actor, measure family) unit, not per actor: no rule compares claims of two
#: families (figtrace.reconcile.rules.measure_family), so a batch recomputes the units its claims
#: touched. ``findings_stale`` lists stale units; family ``*`` stands for every family of the actor
#: (what an older ledger's stale actors become). Each stored finding names its family.
_FINDING_UNITS = """
ALTER TABLE findings ADD COLUMN family TEXT NOT NULL DEFAULT '';
CREATE TABLE findings_stale_units (
    actor TEXT NOT NULL COLLATE NOCASE,   -- '' for claims without an actor
    family TEXT NOT NULL DEFAULT '*',
    PRIMARY KEY (actor, family)
) WITHOUT ROWID;
INSERT INTO findings_stale_units(actor, family) SELECT actor, '*' FROM findings_stale;
DROP TABLE findings_stale;
ALTER TABLE findings_stale_units RENAME TO findings_stale;
"""


def _fill_families(conn: Connection) -> None:
    from figtrace.reconcile.rules import measure_family

    conn.create_function("figtrace_measure_family", 1, measure_family, deterministic=True)
    try:
        conn.execute("UPDATE findings SET family = figtrace_measure_family(measure)")
    finally:
        conn.create_function("figtrace_measure_family", 1, None)


#: Index choices for a flat ingest (issue 13, bench/bench_ledger.py): ``claims_doc`` repeated the
#: first column of the ``UNIQUE (doc_id, idx)`` index, which serves every query it served (checked
#: with EXPLAIN QUERY PLAN), so it only cost a scattered page per stored claim. Stored findings are
#: reached by unit: the clusters a finding shows are in the index, so the findings of a unit that
#: show one cluster are found without reading the rows (``findings_actor`` served only reads by
#: actor, which this index serves as well).
_UNIT_INDEXES = """
DROP INDEX claims_doc;
DROP INDEX findings_actor;
CREATE INDEX findings_unit ON findings(actor, family, clusters);
"""


#: A stale unit that only gained points (claims that began new clusters) names them, so the end of a
#: batch compares only the pairs with a new point and merges them into the stored findings
#: (figtrace.reconcile.rules.update); NULL: recompute the unit whole (what every older row means).
_NEW_POINTS = """
ALTER TABLE findings_stale ADD COLUMN new_clusters TEXT;
"""


#: The timeline index also covers ``confidence``, the one column the consistency rules read that it
#: lacked: a unit's claims (the batch's closing recount reads every claim of each unit it touched) are
#: then one contiguous index range instead of a row lookup per claim scattered over the file
#: (a third of the close at 1,000,000 claims, bench/bench_ledger.py).
_RULES_COVERED = """
DROP INDEX claims_timeline;
CREATE INDEX claims_timeline ON claims(
    actor, measure, current, source, t_start, cluster, id, as_of, value, low, high, qualifier, start,
    doc_name, published, outlet, figure, quote, item, scope, grp, confidence
);
"""


#: Each source's claims and documents are counted as they are written (``sources.n_claims``,
#: ``sources.n_documents``, current claims only), as ``pair_stats`` counts pairs, so the index by source
#: no longer carries the document: ``(source, current, doc_id)`` put every new claim on a page of its own
#: (document ids are hashes), ``(source, current)`` puts it at the end of its source's range, next to the
#: claims before it (0.35 ms less per document at 1,000,000 claims, bench/bench_ledger.py). The counts
#: are filled from the old index before it goes.
_SOURCE_COUNTS = """
ALTER TABLE sources ADD COLUMN n_claims INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN n_documents INTEGER NOT NULL DEFAULT 0;
UPDATE sources SET
    n_claims = (SELECT count(*) FROM claims c WHERE c.source = sources.name AND c.current = 1),
    n_documents = (SELECT count(DISTINCT c.doc_id) FROM claims c WHERE c.source = sources.name AND c.current = 1);
DROP INDEX claims_source_docs;
CREATE INDEX claims_source ON claims(source, current);
"""


MIGRATIONS: tuple[Migration, ...] = (
    Migration("core tables", _CORE),
    Migration("full-text search over quotes", _FTS),
    Migration("timeline index", _OVERVIEW),
    Migration("claim details: via, item, scope, group", _DETAILS),
    Migration("reviews, skipped inputs, datasette full-text index", _REVIEWS),
    Migration("stored consistency findings", _FINDINGS),
    Migration("where each publication date came from", _PUBLISHED_FROM),
    Migration("stored merge periods for incremental clustering", _MERGE_BOUNDS, _fill_merge_bounds),
    Migration("indexes of the dashboard's whole-ledger views", _VIEW_INDEXES),
    Migration("findings kept per actor and measure family", _FINDING_UNITS, _fill_families),
    Migration("index choices for a flat ingest", _UNIT_INDEXES),
    Migration("stale findings units name their new points", _NEW_POINTS),
    Migration("timeline index covers what the consistency rules read", _RULES_COVERED),
    Migration("claims and documents counted per source", _SOURCE_COUNTS),
)

SCHEMA_VERSION = len(MIGRATIONS)

#: Tables a figtrace ledger may hold; a database with others is someone else's.
OWN_TABLES = frozenset({"migrations", "documents", "segments", "sources", "claims", "pair_stats", "reviews",
                        "skipped", "findings", "findings_stale"})
