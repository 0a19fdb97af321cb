insert into p values (1, 'sad', '{sad,meh}', '{happy}'), (2, 'a b', null, '{meh,sad}');
