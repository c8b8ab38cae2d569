# motd-status: this cluster's incidents and maintenance, shown once at an interactive login.
#
# The fish twin of motd-status.sh, installed where fish reads it at every start: a vendor
# conf.d directory (/usr/share/fish/vendor_conf.d), on Debian and RHEL alike. It prints only in
# a login shell that is interactive and whose stdout is a terminal, so scp, sftp, rsync,
# `ssh host cmd` and scripts stay silent, and it is silent when
#   - ~/.hushlogin exists,
#   - MOTD_STATUS is off, 0, no or false (a user's opt-out),
#   - /etc/motd-status/disabled exists (the site's switch),
#   - TMUX or STY is set and not empty: the shell runs inside tmux or screen, whose own login
#     shells (tmux starts one in every new window and pane) would show the view again.
# Whether pam_motd has already shown the view is for `motd-status --login` to tell.
#
# The binary is found by walking $PATH by hand, skipping relative entries, and run by its
# absolute path, which no function can shadow; its stderr is dropped. Names set here start
# with __motd_status_ and are erased again. The file ends with status 0, as an empty one would.

if status is-login; and status is-interactive; and test -t 1
    set -g __motd_status_go 1
    switch (string lower -- "$MOTD_STATUS")
        case off 0 no false
            set __motd_status_go 0
    end
    if test -n "$HOME"; and test -e "$HOME/.hushlogin"
        set __motd_status_go 0
    end
    if test -e /etc/motd-status/disabled
        set __motd_status_go 0
    end
    if test -n "$TMUX"; or test -n "$STY"
        set __motd_status_go 0
    end
    if test $__motd_status_go = 1
        for __motd_status_dir in $PATH
            if string match -q -- '/*' $__motd_status_dir
                and test -f $__motd_status_dir/motd-status
                and test -x $__motd_status_dir/motd-status
                $__motd_status_dir/motd-status --login </dev/null 2>/dev/null
                break
            end
        end
    end
    set -e __motd_status_go __motd_status_dir
end
true
