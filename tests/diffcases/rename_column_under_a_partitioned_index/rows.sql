insert into ledger values (5, '2024-01-01'), (150, '2024-01-02');
