-- migrate:allow(unguarded-update) on purpose: a second run would show as a second '!'.
UPDATE accounts SET note = note || '!' WHERE id = 1;
