insert into doc values (1, 'The quick brown foxes');
