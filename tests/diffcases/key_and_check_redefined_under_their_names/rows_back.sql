insert into u values (1, 1, 1), (2, 2, 1);
insert into n values (1, 'a'), (2, 'b'), (3, null);
insert into f values (1, 'a'), (2, null);
insert into r values (1, 1, '[2025-01-01,2025-01-02)'), (2, 2, '[2025-03-01,2025-03-02)');
insert into d values (1, 5, 5), (2, 7, 50);
