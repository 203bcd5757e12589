# Forces, teams and people, first kept in the cases app, are this app's models from here on. Their
# tables stay as they are (`db_table`), so nothing is copied: this migration and cases 0024 change only
# Django's record of which app holds them (state only). In a database made before this migration,
# `manage.py migrate` records this one as applied before it checks the history
# (accounts/management/commands/migrate.py), because other apps' applied migrations (admin, guardian,
# django-otp, audit) now depend on the app that holds AUTH_USER_MODEL.

import django.contrib.auth.models
import django.contrib.auth.validators
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('cases', '0023_username_skeleton_m_as_rn'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Force',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(help_text='Short code used in case references, e.g. STF.', max_length=8, unique=True)),
                        ('name', models.CharField(max_length=120, unique=True)),
                        ('region', models.CharField(blank=True, help_text='Regional operation, e.g. West Midlands.', max_length=120)),
                    ],
                    options={
                        'db_table': 'cases_force',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='Team',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120)),
                        ('force', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='teams', to='accounts.force')),
                    ],
                    options={
                        'db_table': 'cases_team',
                        'ordering': ['force__name', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='User',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('password', models.CharField(max_length=128, verbose_name='password')),
                        ('last_login', models.DateTimeField(blank=True, null=True, verbose_name='last login')),
                        ('is_superuser', models.BooleanField(default=False, help_text='Designates that this user has all permissions without explicitly assigning them.', verbose_name='superuser status')),
                        ('username', models.CharField(error_messages={'unique': 'A user with that username already exists.'}, help_text='Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.', max_length=150, unique=True, validators=[django.contrib.auth.validators.UnicodeUsernameValidator()], verbose_name='username')),
                        ('first_name', models.CharField(blank=True, max_length=150, verbose_name='first name')),
                        ('last_name', models.CharField(blank=True, max_length=150, verbose_name='last name')),
                        ('email', models.EmailField(blank=True, max_length=254, verbose_name='email address')),
                        ('is_staff', models.BooleanField(default=False, help_text='Designates whether the user can log into this admin site.', verbose_name='staff status')),
                        ('is_active', models.BooleanField(default=True, help_text='Designates whether this user should be treated as active. Unselect this instead of deleting accounts.', verbose_name='active')),
                        ('date_joined', models.DateTimeField(default=django.utils.timezone.now, verbose_name='date joined')),
                        ('rank', models.CharField(blank=True, help_text='e.g. DC, DS, DI, Police Staff.', max_length=40)),
                        ('collar_number', models.CharField(blank=True, max_length=20)),
                        ('username_skeleton', models.CharField(editable=False, max_length=600, unique=True)),
                        ('groups', models.ManyToManyField(blank=True, help_text='The groups this user belongs to. A user will get all permissions granted to each of their groups.', related_name='user_set', related_query_name='user', to='auth.group', verbose_name='groups')),
                        ('user_permissions', models.ManyToManyField(blank=True, help_text='Specific permissions for this user.', related_name='user_set', related_query_name='user', to='auth.permission', verbose_name='user permissions')),
                        ('force', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='users', to='accounts.force')),
                        ('teams', models.ManyToManyField(blank=True, related_name='members', to='accounts.team')),
                    ],
                    options={
                        'db_table': 'cases_user',
                        'ordering': ['last_name', 'first_name', 'username'],
                    },
                    managers=[
                        ('objects', django.contrib.auth.models.UserManager()),
                    ],
                ),
                migrations.AddConstraint(
                    model_name='team',
                    constraint=models.UniqueConstraint(fields=('force', 'name'), name='team_unique_name_per_force'),
                ),
            ],
        ),
    ]
