insert into events values (1, 'view'), (2, 'click');
