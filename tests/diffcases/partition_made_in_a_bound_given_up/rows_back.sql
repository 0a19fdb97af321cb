insert into ledger values (5, 1), (150, 2), (600, 3), (2500, 4);
