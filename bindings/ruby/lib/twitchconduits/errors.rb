# frozen_string_literal: true

module TwitchConduits
  # Every failure of the library: `code` is the tc_status (negative),
  # `name` its C name (tc_status_name), `http_status` the HTTP status (0 when
  # none).
  class Error < StandardError
    attr_reader :code, :name, :http_status
    # For Partial: the per-item results (ShardUpdateResult / BatchResult).
    attr_accessor :result

    def initialize(message = nil, code: -1, name: nil, http_status: 0, result: nil)
      super(message.nil? || message.empty? ? Native.tc_strerror(code) : message)
      @code = code
      @name = name || Native.tc_status_name(code) || "TC_ERROR"
      @http_status = http_status
      @result = result
    end

    # The exception for a status code (nil for TC_OK).
    def self.for(code, message = nil, http_status: 0, result: nil)
      return nil if code.nil? || code.zero?

      klass, cname = CODES.fetch(code) { [Error, Native.tc_status_name(code) || "TC_ERROR"] }
      klass.new(message, code: code, name: cname, http_status: http_status, result: result)
    end

    # The exception for a call that just failed with `status` on this thread
    # (its message is tc_last_error_message()).
    def self.last(status)
      self.for(status, Native.tc_last_error_message)
    end

    # Raise unless status is TC_OK (the message: this thread's last error).
    def self.check(status)
      return status if status.zero?

      raise last(status)
    end
  end

  # The Ruby class of each C status name. Codes and names come from the
  # library (tc_status_name), never typed here as numbers; a status added to
  # the C API without an entry still gets its own class, named after its C
  # name (TC_EFOO -> Efoo: see error_class_name).
  ERROR_CLASSES = {
    "TC_ERROR" => :InternalError, "TC_EINVAL" => :InvalidArgument, "TC_ENOMEM" => :NoMemory,
    "TC_EVERSION" => :VersionMismatch, "TC_ECANCELED" => :Canceled, "TC_ETIMEDOUT" => :TimedOut,
    "TC_ENETWORK" => :NetworkError, "TC_ETLS" => :TLSError, "TC_EHTTP" => :HTTPError, "TC_EAUTH" => :AuthError,
    "TC_EFORBIDDEN" => :Forbidden, "TC_ENOTFOUND" => :NotFound, "TC_ECONFLICT" => :Conflict,
    "TC_ERATELIMIT" => :RateLimited, "TC_ESERVER" => :ServerError, "TC_EPROTOCOL" => :ProtocolError,
    "TC_ECLOSED" => :Closed, "TC_EREENTRANT" => :Reentrant, "TC_EBUSY" => :Busy, "TC_ETOOLARGE" => :TooLarge,
    "TC_EUSER" => :UserAbort, "TC_EBADREQUEST" => :BadRequest, "TC_EGONE" => :Gone, "TC_EPARTIAL" => :Partial,
    "TC_ENOCREDENTIALS" => :NoCredentials, "TC_ENOTSUPPORTED" => :NotSupported,
    "TC_ESIGNATURE" => :SignatureError, "TC_ESTALE" => :Stale
  }.freeze

  # The Ruby class name for a C status name.
  def self.error_class_name(cname)
    ERROR_CLASSES.fetch(cname) { cname.delete_prefix("TC_").capitalize.to_sym }
  end

  # code => [class, C name], for every status the library names (its
  # codes are -1, -2, ... without gaps: the first unnamed one ends them).
  CODES = {}
  (-1).downto(-1000).each do |code|
    cname = Native.tc_status_name(code) or break
    klass = error_class_name(cname)
    const_set(klass, Class.new(Error)) unless const_defined?(klass, false)
    CODES[code] = [const_get(klass), cname]
  end
  ERROR_CLASSES.each_value { |k| const_set(k, Class.new(Error)) unless const_defined?(k, false) }
  CODES.freeze
end
