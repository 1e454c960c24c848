// Umbrella header of pms_host_mail (link target pms::host_mail): the message, the composer and
// its encoders, the transports (SMTP over libcurl, outbox folder) and the SMTP setting.
#pragma once

#include <pms/host/mail/composer.hpp>
#include <pms/host/mail/error.hpp>
#include <pms/host/mail/mail_message.hpp>
#include <pms/host/mail/mail_transport.hpp>
#include <pms/host/mail/outbox_transport.hpp>
#include <pms/host/mail/rfc2047.hpp>
#include <pms/host/mail/smtp_config.hpp>
#include <pms/host/mail/smtp_transport.hpp>
#include <pms/host/mail/transfer_encoding.hpp>
