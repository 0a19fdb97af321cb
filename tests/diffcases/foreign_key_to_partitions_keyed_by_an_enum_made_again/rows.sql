insert into store values (1, 'eu'); insert into sale values (1, 1, 'eu');
