insert into ledger values (5, 1), (600, 2), (1500, 3);
