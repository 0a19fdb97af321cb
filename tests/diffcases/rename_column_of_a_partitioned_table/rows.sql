insert into events values (1, 7, '2024-02-01'), (2, 8, '2026-01-01'); insert into notes values (1, 'a'); insert into notes_archived values (2, 'b', '2024-01-01');
