insert into p values (1, '{meh}', 'sad'), (2, '{happy,meh}', 'happy');
