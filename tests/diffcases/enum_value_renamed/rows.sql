insert into p values (1, 'meh', '{meh,sad}'), (2, 'happy', null);
