insert into owner values (1);
insert into a values (2, '2025-02-01', 'y', null);
insert into p1 values (1, '2024-02-01', 'x', 1);
insert into a values (3, '2026-02-01', 'z', 1);
