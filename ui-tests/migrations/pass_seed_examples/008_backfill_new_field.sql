-- Migration: 008_backfill_new_field ("Large Data Migrations")
BEGIN;

-- Update in batches to avoid locking entire table
DO $$
DECLARE
    batch_size INTEGER := 1000;
    updated INTEGER;
BEGIN
    LOOP
        UPDATE kg_api.concepts
        SET new_field = old_field
        WHERE id IN (
            SELECT id FROM kg_api.concepts
            WHERE new_field IS NULL
            LIMIT batch_size
        );

        GET DIAGNOSTICS updated = ROW_COUNT;
        EXIT WHEN updated = 0;

        RAISE NOTICE 'Updated % rows', updated;
    END LOOP;
END $$;

COMMIT;
