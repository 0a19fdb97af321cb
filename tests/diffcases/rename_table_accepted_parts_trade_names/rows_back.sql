insert into people values (1, 'p', 'p@q'), (2, 'q', 'q@r');
