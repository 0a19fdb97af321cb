insert into artist values (1, 'Björk'), (2, 'Sigur Rós');
