insert into ledger values (5, '2024-01-01');
insert into journal values (1, '2024-01-02');
