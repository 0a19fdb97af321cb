insert into p values (1, 'sad', '{sad,okay}', '{happy}'), (2, 'a b', null, '{okay,sad}');
