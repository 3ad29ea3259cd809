-- A data migration: a second run would show as a second '!'.
UPDATE accounts SET note = note || '!' WHERE id = 1;
