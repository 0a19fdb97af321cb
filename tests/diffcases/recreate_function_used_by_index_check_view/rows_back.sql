insert into person values (1, 'Ann'), (2, 'Bob');
