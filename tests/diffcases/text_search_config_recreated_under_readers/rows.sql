insert into doc (id, body) values (1, 'The quick brown foxes jumped'), (2, 'lazy dogs');
