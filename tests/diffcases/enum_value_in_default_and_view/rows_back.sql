insert into item values (1, 'new'), (2, 'old');
