"""PostgreSQL: one labeling step (sweep, lock, submit, lease) as one server-side function call.

The queue's common case, "submit this lease and give me the next item", used to be five statements in a
transaction. As a function it costs one round trip (in autocommit mode the call is its own transaction), and
each statement inside still takes a fresh snapshot, so the annotator's advisory lock is held before their
current lease is looked up and the submitted item is locked before the next one is picked (the order that
keeps two annotators from deadlocking). Semantics match ``assay.db.queue`` (see its invariants); a change to
the queue's SQL needs a new migration that replaces this function. SQLite has no functions: nothing to do.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 14:10:00
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_PICK = """
    WITH pick AS (
      SELECT i.id, i.payload FROM items i
      WHERE i.project_id = a_p AND NOT i.complete AND i.n_done + i.n_leased < a_overlap + i.extra_overlap
        AND NOT EXISTS (SELECT 1 FROM assignments x WHERE x.item_id = i.id AND x.user_id = a_u)
      ORDER BY {order} LIMIT 1 FOR UPDATE OF i SKIP LOCKED
    ), took AS (
      UPDATE items SET n_leased = items.n_leased + 1 FROM pick WHERE items.id = pick.id RETURNING items.id
    ), leased AS (
      INSERT INTO assignments (project_id, item_id, user_id, status, leased_at, expires_at)
      SELECT a_p, took.id, a_u, 'leased', a_now, a_exp FROM took RETURNING id, item_id, expires_at
    )
    SELECT leased.id, leased.item_id, leased.expires_at, CAST(pick.payload AS text)
      INTO o_lease, o_lease_item, o_expires, o_payload
      FROM leased JOIN pick ON pick.id = leased.item_id;"""

FUNCTION = f"""
CREATE OR REPLACE FUNCTION assay_labeling_step(
  a_p bigint, a_u bigint, a_org bigint, a_overlap integer, a_random boolean, a_lock bigint, a_reap_lock bigint,
  a_lease bigint, a_value text, a_sv integer, a_key text, a_now double precision, a_exp double precision,
  a_created timestamptz, a_ip text, a_agent text, a_next boolean,
  OUT o_annotation bigint, OUT o_item bigint, OUT o_lead double precision,
  OUT o_lease bigint, OUT o_lease_item bigint, OUT o_expires double precision, OUT o_payload text)
LANGUAGE plpgsql AS $fn$
BEGIN
  IF a_reap_lock IS NOT NULL THEN  -- return expired leases to the pool (one sweeper at a time)
    WITH r AS (
      UPDATE assignments SET status = 'expired', finished_at = a_now
      WHERE id IN (
        SELECT id FROM assignments
        WHERE project_id = a_p AND status = 'leased' AND expires_at <= a_now
          AND pg_try_advisory_xact_lock(a_reap_lock)
        ORDER BY expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED)
      RETURNING item_id
    ), c AS (SELECT item_id, count(*) AS n FROM r GROUP BY item_id)
    UPDATE items SET n_leased = items.n_leased - c.n FROM c WHERE items.id = c.item_id;
  END IF;

  PERFORM pg_advisory_xact_lock(a_lock);  -- one queue call at a time per annotator and project

  IF a_lease IS NOT NULL THEN  -- submit: lease -> annotation (+ counters, + audit row)
    WITH fin AS (
      UPDATE assignments SET status = 'submitted', finished_at = a_now
      WHERE id = a_lease AND user_id = a_u AND project_id = a_p AND status = 'leased'
      RETURNING id, item_id, leased_at
    ), cnt AS (
      UPDATE items SET n_leased = items.n_leased - 1, n_done = items.n_done + 1,
                       complete = items.complete OR items.n_done + 1 >= a_overlap + items.extra_overlap
      FROM fin WHERE items.id = fin.item_id
    ), ann AS (
      INSERT INTO annotations (project_id, item_id, user_id, assignment_id, value, schema_version,
                               lead_seconds, idempotency_key, created_at)
      SELECT a_p, fin.item_id, a_u, fin.id, CAST(a_value AS jsonb), a_sv, a_now - fin.leased_at, a_key, a_created
      FROM fin RETURNING id, item_id, lead_seconds
    ), aud AS (
      INSERT INTO audit_events (org_id, actor_id, action, object_type, object_id, ip, user_agent, details,
                                created_at)
      SELECT a_org, a_u, 'annotation.create', 'annotation', CAST(ann.id AS varchar), a_ip, a_agent,
             jsonb_build_object('item_id', ann.item_id, 'lease_id', a_lease), a_created FROM ann
    )
    SELECT ann.id, ann.item_id, ann.lead_seconds INTO o_annotation, o_item, o_lead FROM ann;
    IF o_annotation IS NULL OR NOT a_next THEN
      RETURN;  -- nothing submitted (a retry, a late or foreign lease): the caller sorts it out
    END IF;
  END IF;

  -- the lease the annotator already holds, if any
  SELECT c.id, c.item_id, c.expires_at, CAST(i.payload AS text)
    INTO o_lease, o_lease_item, o_expires, o_payload
    FROM assignments c JOIN items i ON i.id = c.item_id
    WHERE c.project_id = a_p AND c.user_id = a_u AND c.status = 'leased' AND c.expires_at > a_now
    ORDER BY c.id LIMIT 1;
  IF o_lease IS NOT NULL THEN
    RETURN;
  END IF;

  IF a_random THEN
    {_PICK.format(order="i.sort_key")}
  ELSE
    {_PICK.format(order="i.priority DESC, i.id")}
  END IF;
END
$fn$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION IF EXISTS assay_labeling_step(bigint, bigint, bigint, integer, boolean, bigint, bigint, "
            "bigint, text, integer, text, double precision, double precision, timestamptz, text, text, boolean)"
        )
